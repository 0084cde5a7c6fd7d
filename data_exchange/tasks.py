"""Large imports in a worker: thin wrappers over ``data_exchange.jobs``.

Each task takes a job id and is safe to receive twice or late: the job row says
whether the work is done and who holds it (see ``data_exchange.jobs``), and
``import_jobs_sweep`` (beat) sends again what a lost message or a dead worker
left behind.
"""

from celery import shared_task

from data_exchange import jobs


@shared_task
def import_job_check(job_id: int) -> bool:
    """Dry-run an uploaded file; True if this message did it."""
    return jobs.import_job_run_check(job_id=job_id)


@shared_task
def import_job_apply(job_id: int) -> bool:
    """Apply a confirmed import, once; True if this message applied it."""
    return jobs.import_job_run_apply(job_id=job_id)


@shared_task
def import_jobs_sweep() -> int:
    """Beat, every 30 s: send again the jobs whose lease ran out."""
    return jobs.import_jobs_sweep()
