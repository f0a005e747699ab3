"""Notebook 27's email service on a real PostgreSQL, a real calendar MCP server and real DBOS worker processes.

The crash claim is proven on stored rows: a triage worker SIGKILLed mid-run and restarted leaves every email with
one triage workflow, one triage row and at most one draft, and no checkpointed model call was made again. The
approval claims are proven on the outbox: nothing is in it until a person approves, each reply is in it once
however often (and however concurrently) it is approved, and one user can neither see nor decide another's queue.
"""

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
from collections import Counter

import httpx
import psycopg
import pytest
from dbos import DBOSClient
from fastapi.testclient import TestClient

from course_helpers import durable_demo, mail_service, mail_triage
from course_helpers.inbox import load_inbox
from course_helpers.mail_service import app, deliver, user_key
from course_helpers.services import postgres_server
from course_helpers.workers import start_workers

SECRET = secrets.token_urlsafe(32)
ADA = [email for email in load_inbox() if email.id <= 14]
BO = [email for email in load_inbox() if email.id in (23, 29, 31)]


@pytest.fixture(scope="module")
def db():
    with postgres_server() as server:
        mail_service.prepare(server.url)
        yield server


@pytest.fixture(scope="module")
def calendar_url():
    """The calendar MCP server over HTTP, as the notebook starts it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen([sys.executable, "-m", "course_helpers.mcp_servers.calendar", "--http", str(port)])
    try:
        durable_demo.wait_until(lambda: _listening(port) or process.poll() is not None, 60, "the calendar server")
        assert process.poll() is None, "the calendar server exited"
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        process.terminate()
        process.wait(10)


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def rows(db, sql: str, *args) -> list[tuple]:
    with psycopg.connect(db.url) as connection:
        return connection.execute(sql, args).fetchall()


@pytest.fixture(scope="module")
def crash(db, tmp_path_factory):
    """Deliver mail, triage it on a schedule, SIGKILL the worker mid-run, restart it; return what each saw."""
    logs = tmp_path_factory.mktemp("logs")
    assert deliver(db.url, "ada", ADA) == len(ADA) and deliver(db.url, "bo", BO) == len(BO)
    client = DBOSClient(system_database_url=db.url)
    first = mail_triage.TriageWorker(db.url, "triage-1", logs).wait_ready()
    client.create_schedule(schedule_name="triage", workflow_name="triage_new_mail", schedule="* * * * * *")

    durable_demo.wait_until(lambda: rows(db, "SELECT count(*) FROM triage")[0][0] >= 3, 120, "a few triages")

    def frozen_mid_run():  # freeze the worker; keep it frozen only if it has an agent run in flight, else thaw it
        os.kill(first.pid, signal.SIGSTOP)
        if rows(db, "SELECT count(*) FROM ledger WHERE finished_at IS NULL AND pid = %s", first.pid)[0][0]:
            return True
        os.kill(first.pid, signal.SIGCONT)
        return False

    durable_demo.wait_until(frozen_mid_run, 120, "an agent run in flight")  # so the kill cannot race its finish
    os.kill(first.pid, signal.SIGKILL)
    killed = {"code": first.process.wait(), "triaged": rows(db, "SELECT count(*) FROM triage")[0][0]}
    restarted = mail_triage.TriageWorker(db.url, "triage-1", logs).wait_ready()
    try:
        total = len(ADA) + len(BO)
        durable_demo.wait_until(lambda: rows(db, "SELECT count(*) FROM triage")[0][0] == total, 120, "every triage")
        durable_demo.wait_until(lambda: not client.list_workflows(status=["PENDING", "ENQUEUED"], load_input=False,
                                                                  load_output=False), 60, "every workflow to end")
        client.delete_schedule("triage")
        sent = rows(db, "SELECT count(*) FROM outbox")[0][0]  # before any test approves anything
        yield {"killed": killed, "first_pid": first.pid, "client": client, "sent_by_triage": sent}
    finally:
        restarted.stop()
        client.destroy()


def test_a_worker_killed_mid_run_loses_nothing_and_does_nothing_twice(db, crash):
    client, total = crash["client"], len(ADA) + len(BO)
    assert crash["killed"]["code"] == -signal.SIGKILL and 3 <= crash["killed"]["triaged"] < total

    # One triage workflow per email, under the id the schedule derives from it, every one finished.
    triages = client.list_workflows(name="triage_message", load_input=False, load_output=False)
    expected = {mail_triage.workflow_id(user, email.id) for user, emails in (("ada", ADA), ("bo", BO))
                for email in emails}
    assert sorted(w.workflow_id for w in triages) == sorted(expected)
    assert {w.status for w in triages} == {"SUCCESS"}
    assert len(client.list_workflows(name="triage_new_mail", load_input=False, load_output=False)) >= 2  # ticks

    # Each email triaged once; a draft for each email that is not junk, once; nothing sent without approval.
    triaged = rows(db, "SELECT user_id, email_id, category FROM triage")
    assert Counter((user, email_id) for user, email_id, _ in triaged) == Counter({key: 1 for key in
                                                                                 _keys(expected)})
    drafts = Counter(rows(db, "SELECT user_id, email_id FROM replies WHERE source = 'triage'"))
    assert set(drafts) == {(user, email_id) for user, email_id, category in triaged if category != "junk"}
    assert set(drafts.values()) <= {1}
    assert crash["sent_by_triage"] == 0  # the worker drafts; it never sends

    # The ledger: every agent run finished, each once, except the few the kill caught in flight (at least once).
    ledger = [entry for entry in durable_demo.ledger(db.url) if entry.workflow_id in expected]
    finished = Counter((entry.workflow_id, entry.what) for entry in ledger if entry.finished_at is not None)
    assert set(finished) == {(mail_triage.workflow_id(user, email_id), what) for user, email_id, category in triaged
                             for what in ("triage", "draft")[:1 + (category != "junk")]}
    interrupted = [entry for entry in ledger if entry.finished_at is None]
    assert 1 <= len(interrupted) <= mail_triage.CONCURRENCY
    assert all(entry.pid == crash["first_pid"] for entry in interrupted)
    in_flight = {(entry.workflow_id, entry.what) for entry in interrupted}
    assert all(finished[step] == 1 for step in in_flight)  # cut short, then run once after the restart
    assert sum(count - 1 for count in finished.values()) <= mail_triage.CONCURRENCY - len(interrupted)


def _keys(workflow_ids):
    return [(wid.split("-")[1], int(wid.split("-")[2])) for wid in workflow_ids]


def key(user: str) -> dict:
    return {"X-API-Key": user_key(user, SECRET)}


@pytest.fixture
def api(db, crash, calendar_url, monkeypatch, fresh_course_state):
    monkeypatch.setenv("MAIL_DB_URL", db.url)
    monkeypatch.setenv("MAIL_API_KEY", SECRET)
    monkeypatch.setenv("MAIL_CALENDAR_URL", calendar_url)
    with TestClient(app) as client:
        yield client


def outbox(db) -> Counter:
    return Counter(reply_id for (reply_id,) in rows(db, "SELECT reply_id FROM outbox"))


def test_nothing_is_sent_until_approved_and_an_approved_reply_is_sent_once(db, api):
    sent_before = outbox(db)
    queue = api.get("/replies", headers=key("ada")).json()
    assert queue and {reply["status"] for reply in queue} == {"pending"}
    assert not {reply["id"] for reply in queue} & set(sent_before)  # a pending reply is not in the outbox
    first, second = queue[0]["id"], queue[1]["id"]
    assert api.post(f"/replies/{second}/reject", headers=key("ada")).json() == \
        {"id": second, "status": "rejected", "sent": False}
    assert api.post(f"/replies/{first}/approve", headers=key("ada")).json() == \
        {"id": first, "status": "approved", "sent": True}
    again = api.post(f"/replies/{first}/approve", headers=key("ada"))
    late = api.post(f"/replies/{second}/approve", headers=key("ada"))
    assert again.status_code == late.status_code == 409 and "already approved" in again.json()["detail"]
    assert outbox(db) - sent_before == Counter({first: 1})  # the rejected one was never sent, the approved one once
    assert first in [r["reply_id"] for r in api.get("/outbox", headers=key("ada")).json()]
    status = dict(rows(db, "SELECT id, status FROM replies"))
    assert all(status[reply_id] == "approved" for reply_id in outbox(db))  # nothing in the outbox unapproved


def test_one_user_cannot_see_or_decide_another_users_queue(db, api):
    ada_queue = {reply["id"] for reply in api.get("/replies", headers=key("ada")).json()}
    bo_queue = {reply["id"] for reply in api.get("/replies", headers=key("bo")).json()}
    assert ada_queue and bo_queue and not ada_queue & bo_queue
    theirs = min(ada_queue)
    refused = api.post(f"/replies/{theirs}/approve", headers=key("bo"))
    assert refused.status_code == 404 and "no reply" in refused.json()["detail"]
    assert theirs in {reply["id"] for reply in api.get("/replies", headers=key("ada")).json()}  # still pending
    assert {m["email_id"] for m in api.get("/mail", headers=key("bo")).json()} == {email.id for email in BO}
    assert api.get("/outbox", headers=key("bo")).json() == []
    assert api.get("/replies").status_code == 401
    forged = {"X-API-Key": "ada." + "A" * 43}
    assert api.get("/replies", headers=forged).status_code == 401


def test_chat_queues_replies_only_to_the_callers_own_mail_and_reaches_the_calendar_over_mcp(db, api):
    before = outbox(db)
    answer = api.post("/chat", json={"message": "Draft a reply to email 23."}, headers=key("bo")).json()["reply"]
    assert "waits in the approval queue" in answer
    queued = [r for r in api.get("/replies", headers=key("bo")).json() if r["source"] == "chat"]
    assert [r["email_id"] for r in queued] == [23]
    refused = api.post("/chat", json={"message": "Draft a reply to email 1."}, headers=key("bo")).json()["reply"]
    assert "no email #1" in refused  # email 1 is Ada's
    assert all(r["email_id"] != 1 for r in api.get("/replies", headers=key("bo")).json())
    calendar = api.post("/chat", json={"message": "Check my calendar for Thursday."}, headers=key("ada"))
    assert "shop shift" in calendar.json()["reply"]
    assert outbox(db) == before  # chatting never sends


def test_bad_requests_get_one_sentence(api):
    assert "message" in api.post("/chat", json={}, headers=key("ada")).json()["detail"]
    assert api.post("/replies/1/send", headers=key("ada")).status_code == 422
    assert api.get("/replies?status=sent", headers=key("ada")).status_code == 422


def test_without_its_settings_the_service_says_which_to_set(monkeypatch, fresh_course_state):
    for name in ("MAIL_DB_URL", "MAIL_API_KEY", "MAIL_CALENDAR_URL"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="Set MAIL_DB_URL and MAIL_API_KEY and MAIL_CALENDAR_URL"):
        with TestClient(app):
            pass


def test_delivering_mail_again_adds_nothing(db, crash):
    assert deliver(db.url, "ada", ADA[:3]) == 0


def test_two_workers_approving_the_same_reply_at_once_send_it_once(db, crash, calendar_url):
    pending = rows(db, "SELECT id FROM replies WHERE user_id = 'ada' AND status = 'pending' ORDER BY id")
    reply_id = pending[-1][0]
    env = {"MAIL_DB_URL": db.url, "MAIL_API_KEY": SECRET, "MAIL_CALENDAR_URL": calendar_url}

    async def race(url):
        async with httpx.AsyncClient(base_url=url, headers=key("ada"), timeout=30) as http:
            return await asyncio.gather(*(http.post(f"/replies/{reply_id}/approve") for _ in range(8)))

    with start_workers("course_helpers.mail_service:app", env, workers=2) as service:
        answers = asyncio.run(race(service.url))
    assert sorted(answer.status_code for answer in answers) == [200] + [409] * 7
    assert outbox(db)[reply_id] == 1


def test_a_triage_worker_given_a_database_that_is_not_there_says_so_in_one_line(tmp_path):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    worker = mail_triage.TriageWorker(f"postgresql://course@127.0.0.1:{port}/postgres", "triage-x", tmp_path)
    with pytest.raises(durable_demo.WorkerFailed, match="exited with code 1 before it was ready: DBOS could not "
                                                        "launch: .*(refused|connect)"):
        worker.wait_ready()
    assert worker.stop() == 1
