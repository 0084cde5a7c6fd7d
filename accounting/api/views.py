"""Accounting endpoints for staff: the trial balance.

Access: ``accounting.view_journalentry``, the permission of the back office's
reports (roles Accounting and Manager).
"""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from accounting import selectors
from accounting.api.serializers import TrialBalanceQuerySerializer, TrialBalanceSerializer
from erp.api.permissions import StaffPermission
from erp.api.serializers import ErrorSerializer


class TrialBalanceView(GenericAPIView):
    """Every account with a balance on the date, on its debit or credit side."""

    permission_classes = [StaffPermission]
    required_permissions = ("accounting.view_journalentry",)
    serializer_class = TrialBalanceSerializer
    pagination_class = None

    @extend_schema(
        parameters=[TrialBalanceQuerySerializer],
        responses={
            200: TrialBalanceSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            403: ErrorSerializer,
        },
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = TrialBalanceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        report = selectors.trial_balance_report(as_of=query.validated_data.get("date"))
        return Response(TrialBalanceSerializer(report).data)
