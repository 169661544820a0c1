"""`LocalDataApi`: PostgreSQL (throwaway or given), a database, and the HTTP endpoint, as one
context manager for tests, `alex-data serve` and the benchmark."""

from __future__ import annotations

import json
import urllib.request
from types import TracebackType
from typing import TYPE_CHECKING, Any

import psycopg
from alex_schemas.limits import DATA_API_ROW_BYTES
from psycopg import sql
from psycopg.conninfo import make_conninfo

from alex_data_dev.local_data_api.control import checked_latency_ms
from alex_data_dev.local_data_api.engine import Engine, EngineConfig
from alex_data_dev.local_data_api.request_log import RequestLog
from alex_data_dev.local_data_api.server import DataApiHttpServer
from alex_data_dev.postgres import ThrowawayPostgres

if TYPE_CHECKING:
    from mypy_boto3_rds_data import RDSDataServiceClient

REGION = "us-east-1"
ACCOUNT = "123456789012"
CLUSTER_ARN = f"arn:aws:rds:{REGION}:{ACCOUNT}:cluster:alex-local"
SECRET_ARN = f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:alex-local-credentials-AbCdEf"


class LocalDataApi:
    """The RDS Data API on `endpoint_url`, executing on real PostgreSQL.

    On enter: starts a throwaway PostgreSQL unless `dsn` names a server, creates `database` if
    missing, serves HTTP on a background thread. On exit: stops all that and removes what it
    created (the throwaway server with its files, or the database it created on `dsn`'s server).
    """

    def __init__(
        self,
        dsn: str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        database: str = "alex",
        transaction_timeout: float = 180.0,
        *,
        statement_timeout: float = 45.0,
        transaction_max_age: float = 24 * 3600.0,
        request_log: RequestLog | None = None,
        row_limit_kib: int = DATA_API_ROW_BYTES // 1024,
        latency_ms: float = 0.0,
    ) -> None:
        self._given_dsn = dsn
        self.host = host
        self._port = port
        self.database = database
        self.transaction_timeout = transaction_timeout
        self.statement_timeout = statement_timeout
        self.transaction_max_age = transaction_max_age
        self._request_log = request_log
        # 0 serves rows of any size (Aurora refuses those over 64 KB)
        self.row_limit_kib = row_limit_kib
        self._latency_ms = checked_latency_ms(latency_ms)
        self.cluster_arn = CLUSTER_ARN
        self.secret_arn = SECRET_ARN
        self.region = REGION
        self.dsn = ""  # set on enter: reaches `database` directly (for tests, the benchmark)
        self._postgres: ThrowawayPostgres | None = None
        self._admin_dsn = ""
        self._created_database = False
        self._engine: Engine | None = None
        self._server: DataApiHttpServer | None = None

    # --- lifecycle ----------------------------------------------------------------------------

    def __enter__(self) -> LocalDataApi:
        try:
            if self._given_dsn is None:
                self._postgres = ThrowawayPostgres()
                self._postgres.start()
                self._admin_dsn = self._postgres.dsn
            else:
                self._admin_dsn = self._given_dsn
            self._created_database = self._create_database()
            self.dsn = make_conninfo(self._admin_dsn, dbname=self.database)
            self._engine = Engine(
                EngineConfig(
                    dsn=self.dsn,
                    database=self.database,
                    cluster_arn=self.cluster_arn,
                    secret_arn=self.secret_arn,
                    transaction_timeout=self.transaction_timeout,
                    statement_timeout=self.statement_timeout,
                    transaction_max_age=self.transaction_max_age,
                    row_limit_bytes=self.row_limit_kib * 1024,
                )
            )
            self._server = DataApiHttpServer(
                self._engine,
                self.host,
                self._port,
                request_log=self._request_log,
                latency_ms=self._latency_ms,
            )
            self._server.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()
        engine, self._engine = self._engine, None
        if engine is not None:
            engine.close()
        if self._created_database and self._postgres is None:
            self._drop_database()
        self._created_database = False
        postgres, self._postgres = self._postgres, None
        if postgres is not None:
            postgres.stop()

    def _create_database(self) -> bool:
        with psycopg.connect(self._admin_dsn, autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self.database]
            ).fetchone()
            if exists:
                return False
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.database)))
            return True

    def _drop_database(self) -> None:
        with psycopg.connect(self._admin_dsn, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(self.database)
                )
            )

    # --- what callers use ---------------------------------------------------------------------

    @property
    def postgres_dir(self) -> str | None:
        """The throwaway server's directory (data and socket), None on a given server."""
        return None if self._postgres is None else str(self._postgres.socket_dir)

    @property
    def postgres_bin_dir(self) -> str | None:
        """Where the throwaway server's binaries are (psql is usually beside them)."""
        return None if self._postgres is None else self._postgres.bin_dir

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("LocalDataApi is not running")
        return self._server.port

    @property
    def endpoint_url(self) -> str:
        # A wildcard bind is reached locally through the loopback address.
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "::") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    def env(self) -> dict[str, str]:
        """The environment a boto3 `rds-data` client (and the Lambda) needs to reach us."""
        return {
            "AWS_ENDPOINT_URL_RDS_DATA": self.endpoint_url,
            "AURORA_CLUSTER_ARN": self.cluster_arn,
            "AURORA_SECRET_ARN": self.secret_arn,
            "AURORA_DATABASE": self.database,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
        }

    def client(self, *, max_pool_connections: int = 10) -> RDSDataServiceClient:
        """A stock boto3 `rds-data` client on this endpoint with botocore's retries off, as the
        Lambda configures its own (the gateway retries), so each error arrives as the endpoint
        answered it; `max_pool_connections` for many concurrent callers."""
        import boto3
        from botocore.config import Config

        env = self.env()
        client: RDSDataServiceClient = boto3.client(
            "rds-data",
            endpoint_url=self.endpoint_url,
            region_name=self.region,
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            config=Config(
                retries={"total_max_attempts": 1, "mode": "standard"},
                max_pool_connections=max_pool_connections,
            ),
        )
        return client

    @property
    def latency_ms(self) -> float:
        """Milliseconds added to every Data API call (20 is typical over HTTPS to Aurora)."""
        return self._latency_ms if self._server is None else self._server.latency_ms

    @latency_ms.setter
    def latency_ms(self, value: float) -> None:
        self._latency_ms = checked_latency_ms(value)
        if self._server is not None:
            self._server.latency_ms = self._latency_ms

    def inject_resuming(self, n: int) -> None:
        """The next `n` calls that Aurora may refuse while resuming answer DatabaseResumingException

        (ExecuteStatement, BatchExecuteStatement, BeginTransaction; not commit or rollback).
        """
        self.inject_faults({"DatabaseResumingException": n})

    def inject_faults(self, faults: dict[str, int]) -> None:
        if self._engine is None:
            raise RuntimeError("LocalDataApi is not running")
        self._engine.faults.add(faults)

    def clear_faults(self) -> None:
        if self._engine is not None:
            self._engine.faults.clear()

    @property
    def calls(self) -> int:
        """Data API requests served so far, whoever sent them."""
        if self._server is None:
            raise RuntimeError("LocalDataApi is not running")
        return self._server.calls

    def open_transactions(self) -> int:
        return 0 if self._engine is None else self._engine.open_transactions()


def served_calls(endpoint_url: str) -> int:
    """The Data API requests a server in another process (`alex-data serve`) has served."""
    with urllib.request.urlopen(f"{endpoint_url}/_local/calls", timeout=10) as response:  # noqa: S310
        answer: dict[str, int] = json.loads(response.read())
    return answer["calls"]


def post_faults(endpoint_url: str, faults: dict[str, int]) -> dict[str, int]:
    """Fault injection over HTTP, for a server in another process (`alex-data serve`)."""
    answer: dict[str, int] = _post_control(endpoint_url, "faults", faults)["faults"]
    return answer


def post_latency(endpoint_url: str, latency_ms: float) -> float:
    """Set the added latency of a server in another process; answers the value now in force."""
    answer = _post_control(endpoint_url, "latency", {"latency_ms": latency_ms})
    return float(answer["latency_ms"])


def _post_control(endpoint_url: str, resource: str, body: object) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 - our own http endpoint
        f"{endpoint_url}/_local/{resource}",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        answer: dict[str, Any] = json.loads(response.read())
    return answer
