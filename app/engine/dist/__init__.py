"""Beyond one machine: the engine's work as Celery tasks on workers, and batches of scripts.

The studio keeps its in-process engine; this package adds a second way to run the same
functions: ``app.engine.dist.tasks`` wraps them as Celery tasks (Redis for the broker and
the results), ``app.engine.dist.batch`` renders many scripts in process or on workers,
``app.engine.dist.shared`` exchanges files through a folder every machine mounts, and
``app.engine.dist.remote`` lists what was sent in the workers' Redis, for any studio to
follow and cancel.
No scheduler is written here: Celery and Redis are the scheduler.
"""
