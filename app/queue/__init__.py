"""The background job queue: the worker pool (worker.py) and change notification (notify.py).
The queue's SQL lives in store/jobs.py."""
