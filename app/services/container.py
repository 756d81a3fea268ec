"""The services of one server process, built once (main.py's lifespan) on one `Store` and handed
to the routes (`api.services(request)`) and to WebSocket sessions. Building starts nothing:
main.py starts and stops them, in order."""

from __future__ import annotations

from dataclasses import dataclass

from responses_mock.config import Settings
from responses_mock.services.background import BackgroundService
from responses_mock.services.conversations import ConversationsService
from responses_mock.services.drain import Drain
from responses_mock.services.endings import SHUTDOWN
from responses_mock.services.files import FilesService
from responses_mock.services.fixtures import FixturesService
from responses_mock.services.inspector import InspectorService
from responses_mock.services.journal import JournalService
from responses_mock.services.metrics import Metrics
from responses_mock.services.prompts import PromptsService
from responses_mock.services.readiness import Readiness
from responses_mock.services.responses import ResponsesService
from responses_mock.services.streams import StreamsService
from responses_mock.services.uploads import UploadsService
from responses_mock.services.upstream import Upstream
from responses_mock.services.vector_stores import VectorStoresService
from responses_mock.services.worker import WorkerPool
from responses_mock.store.handle import Store
from responses_mock.store.notify import Notifier
from responses_mock.store.pg_listen import PgListener


@dataclass(frozen=True)
class Services:
    settings: Settings
    store: Store
    notifier: Notifier  # "response X changed": wakes this process's followers
    listener: PgListener  # other replicas' changes (Postgres LISTEN)
    fixtures: FixturesService
    prompts: PromptsService
    journal: JournalService
    metrics: Metrics
    drain: Drain
    responses: ResponsesService
    background: BackgroundService
    pool: WorkerPool
    streams: StreamsService
    conversations: ConversationsService
    inspector: InspectorService
    readiness: Readiness
    files: FilesService
    uploads: UploadsService
    vector_stores: VectorStoresService
    upstream: Upstream | None = None  # --upstream: misses are forwarded there (and recorded with --record)


def build_services(settings: Settings, store: Store, *, worker_id: str) -> Services:
    """Every service, wired to the others. `worker_id` names this process in the rows it owns."""
    notifier = Notifier()
    fixtures = FixturesService(store, settings.replay_speed)

    def gap() -> None:  # LISTEN was lost (or is back): what its notifications guard may be stale
        fixtures.changed()
        notifier.notify_all()

    listener = PgListener(store, on_gap=gap)
    metrics = Metrics(store)
    journal = JournalService(store, keep=settings.journal_keep, enabled=settings.journal,
                             on_drop=metrics.journal_dropped.inc)
    metrics.journal_backlog.set_function(lambda: journal.backlog)
    metrics.listen_connected.set_function(lambda: int(listener.active))
    metrics.listen_reconnects.set_function(lambda: max(listener.connects - 1, 0))
    drain = Drain(settings.shutdown_grace)
    background = BackgroundService(store, notifier, worker_id)
    background.stopping = drain.due  # once the grace is over, a run's end waits for nobody
    responses = ResponsesService(store, settings, notifier, fixtures, worker_id=worker_id, stopping=drain.due)
    pool = WorkerPool(store, background, settings, owned_streams=responses.runs.owned)
    responses.wake_workers = pool.wake
    drain.when_begun(pool.drain)

    def end_live() -> None:  # the grace is over: fail the runs here; wake followers to end
        pool.abort(SHUTDOWN)
        responses.runs.abort_all(SHUTDOWN)
        notifier.notify_all()

    drain.when_due(end_live)
    drain.busy_while(lambda: bool(pool.running) or responses.runs.busy)

    # Followers wake on notifications; re-reading the log is only a safety net when every
    # writer notifies (one SQLite process, or Postgres with LISTEN).
    def poll() -> float:
        if store.sqlite:  # one SQLite process: every write wakes its followers itself
            return max(settings.stream_poll_interval, 30.0)
        return max(settings.stream_poll_interval, 10.0) if listener.active else settings.stream_poll_interval

    files = FilesService(store, settings)
    streams = StreamsService(store, notifier, poll, drain,
                             runs_here=lambda rid: rid in background.runs or rid in responses.runs)
    return Services(settings=settings, store=store, notifier=notifier, listener=listener, fixtures=fixtures,
                    prompts=PromptsService(store), journal=journal, metrics=metrics, drain=drain,
                    responses=responses, background=background, pool=pool, streams=streams,
                    conversations=ConversationsService(store), inspector=InspectorService(store, background),
                    readiness=Readiness(store, drain), files=files, uploads=UploadsService(store, files),
                    vector_stores=VectorStoresService(store),
                    upstream=Upstream(settings.upstream, api_key=settings.upstream_api_key, record=settings.record,
                                      fixtures=fixtures, responses=responses) if settings.upstream else None)
