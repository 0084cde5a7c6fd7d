from data_exchange.quality_models import DataQualityReport

__all__ = ["DataQualityReport"]
