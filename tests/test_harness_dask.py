"""Cases run on a Dask cluster (``--scheduler``) give the same rows as the local pool."""

from pathlib import Path

import pytest

from diffkit.cli import main
from diffkit.harness.database import ResultsDB

distributed = pytest.importorskip("distributed")

SUPPORT = str(Path(__file__).with_name("test_harness_support.py"))


def test_report_on_a_local_dask_cluster(tmp_path, capsys):
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        code = main(["report", "--suite", SUPPORT, "--methods", "tape", "symbolic", "--out", str(tmp_path),
                     "--scheduler", cluster.scheduler_address, "--quiet"])
    assert code == 0
    rows = {row["case_id"]: row for row in ResultsDB(tmp_path).rows()}
    # --methods keeps the reference and the studies; the sleeper still times out on the cluster
    assert {r["method"] for r in rows.values() if r["kind"] == "gradient"} == {"reference", "tape", "symbolic"}
    assert rows['sleeper{"size":1}/tape']["status"] == "timeout"
    assert rows['sleeper{"size":2}/tape']["status"] == "skipped"
    assert rows["hog/tape"]["status"] == "memory"
    assert rows["chain/tape"]["grad"] == [-4.0, -4.0, 3.0]
    assert rows["chain/symbolic"]["grad"] == [-4.0, -4.0, 3.0]
    assert rows['net{"depth":3}/tape']["rel_error"] < 1e-14
    assert (tmp_path / "index.html").is_file()


def test_unreachable_scheduler_is_a_clear_error(tmp_path, capsys):
    code = main(["report", "--suite", SUPPORT, "--out", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9", "--quiet"])
    assert code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err


def test_a_scheduler_address_without_a_port_is_a_clear_error(tmp_path, capsys):
    code = main(["report", "--suite", SUPPORT, "--out", str(tmp_path), "--scheduler", "garbage", "--quiet"])
    assert code == 2
    assert "cannot reach the Dask scheduler at garbage: missing port number" in capsys.readouterr().err
