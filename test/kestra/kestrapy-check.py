#!/usr/bin/env python3
"""Makes each Kestra call the bot makes, with Kestra's own Python SDK (kestrapy 2.0.x), against a running
engine, and prints ONE JSON object of what came back (test/kestra/kestrapy.test.ts asserts it).

    python kestrapy-check.py --url URL --username U --password P \
        --namespace dev.autofix.sdk --flow sdk-probe --product-namespace dev.autofix --product-flow ai-issue-autofix

The probe flow (written by the test) takes `name` (STRING), `doc` (FILE, optional) and `mode` (ok, fail,
pause, sleep), logs INFO and WARN lines, writes a file, has task outputs and flow outputs (greeting, file).
Only kestrapy's client classes make the calls; a call that raises is recorded with its status and body.
"""
import argparse
import json
import sys
import time
import traceback

from kestrapy import KestraClient, QueryFilter, QueryFilterField, QueryFilterOp
from kestrapy.exceptions import ApiException

TENANT = "main"
TERMINAL = {"SUCCESS", "WARNING", "FAILED", "KILLED", "CANCELLED", "SKIPPED", "RETRIED", "RESUBMITTED"}


def enum(v):
    return getattr(v, "value", v)


def refusal(e: ApiException):
    body = e.body
    try:
        body = json.loads(e.body) if e.body else e.body
    except (TypeError, ValueError):
        pass
    return {"exception": type(e).__name__, "status": e.status, "body": body}


def attempt(fn):
    """The call's value, or how it was refused."""
    try:
        return {"ok": fn()}
    except ApiException as e:
        return {"refused": refusal(e)}


def dump(model):
    """A kestrapy model as the JSON names it, without unset values."""
    if model is None:
        return None
    data = model.model_dump(by_alias=True, exclude_none=True, mode="json")
    data.pop("additional_properties", None)
    return data


def extra(model):
    return getattr(model, "additional_properties", None) or {}


def state_of(execution):
    return enum(execution.state.current)


def wait(client, execution_id, done, timeout=120):
    deadline = time.time() + timeout
    while True:
        e = client.executions.execution(execution_id, TENANT)
        if done(e):
            return e
        if time.time() > deadline:
            raise RuntimeError(f"execution {execution_id} still {state_of(e)} after {timeout}s")
        time.sleep(0.25)


def terminal(client, execution_id, timeout=120):
    return wait(client, execution_id, lambda e: state_of(e) in TERMINAL, timeout)


def task_run(execution, task_id):
    return next(t for t in execution.task_run_list or [] if t.task_id == task_id)


def run(args):
    client = KestraClient(host=args.url, username=args.username, password=args.password, timeout=60)
    anonymous = KestraClient(host=args.url, timeout=60)
    ns, flow = args.namespace, args.flow
    out = {}

    # configuration (MiscApi.configuration, open) and flow (FlowsApi.flow)
    config = client.misc.configuration()
    out["configuration"] = {
        "version": config.version,
        "edition": enum(config.edition),
        "isBasicAuthInitialized": config.is_basic_auth_initialized,
        "uuid": config.uuid,
        "url": config.url,
        "fields": sorted(dump(config).keys()),
    }
    anonymous_config = anonymous.misc.configuration()
    out["configurationWithoutCredentials"] = anonymous_config.version
    product = client.flows.flow(args.product_namespace, args.product_flow, TENANT)
    out["flow"] = {
        "id": product.id,
        "namespace": product.namespace,
        "inputs": [i.id for i in product.inputs or []],
    }
    out["flowUnknown"] = attempt(lambda: client.flows.flow(ns, "no-such-flow", TENANT))
    out["withoutCredentials"] = attempt(lambda: anonymous.executions.search_executions(TENANT, page=1, size=1))

    # create_execution: multipart inputs (a FILE as bytes), labels
    labels = ["slack-channel:C0SDK", "autofix-issue:7"]
    created = client.executions.create_execution(
        TENANT, ns, flow, labels=labels, inputs={"name": "sdk", "doc": b"attached bytes\n", "mode": "ok"}
    )
    out["create"] = {
        "id": created.id,
        "state": state_of(created),
        "labels": {l.key: l.value for l in created.labels or []},
        "inputs": created.inputs,
        "traceParent": created.trace_parent,
        # kestrapy's model has no tenantId: one the server sent would land in additional_properties.
        "tenantId": getattr(created, "tenant_id", None) or extra(created).get("tenantId"),
        "url": created.url,
    }
    no_file = client.executions.create_execution(TENANT, ns, flow, inputs={"name": "nofile"})
    out["createWithoutFile"] = {"id": no_file.id, "inputs": no_file.inputs, "docKey": "doc" in (no_file.inputs or {})}
    out["createSystemLabel"] = attempt(
        lambda: client.executions.create_execution(TENANT, ns, flow, labels=["system.username:me"]).id
    )
    out["createUnknownFlow"] = attempt(lambda: client.executions.create_execution(TENANT, ns, "no-such-flow").id)

    # execution: the GET of an ended run
    done = terminal(client, created.id)
    terminal(client, no_file.id)
    write_run = task_run(done, "write")
    out["execution"] = {
        "state": state_of(done),
        "duration": done.state.duration,
        "durationType": type(done.state.duration).__name__,
        "taskIds": [t.task_id for t in done.task_run_list or []],
        "taskRunFields": sorted(set().union(*[dump(t).keys() for t in done.task_run_list or []])),
        "docInput": (done.inputs or {}).get("doc"),
    }
    out["executionUnknown"] = attempt(lambda: client.executions.execution("0000000000000000000000", TENANT).id)

    # search_executions: label, state, namespace and flow filters
    filters = [
        QueryFilter(var_field=QueryFilterField.NAMESPACE, operation=QueryFilterOp.EQUALS, value={"value": ns}),
        QueryFilter(var_field=QueryFilterField.FLOW_ID, operation=QueryFilterOp.EQUALS, value={"value": flow}),
        QueryFilter(var_field=QueryFilterField.LABELS, operation=QueryFilterOp.EQUALS, value={"slack-channel": "C0SDK"}),
        QueryFilter(var_field=QueryFilterField.STATE, operation=QueryFilterOp.IN, value=["SUCCESS", "FAILED"]),
    ]
    found = client.executions.search_executions(TENANT, page=1, size=25, sort=["state.startDate:desc"], filters=filters)
    out["search"] = {
        "total": found["total"],
        "ids": [r["id"] for r in found["results"]],
        "itemFields": sorted(set().union(*[r.keys() for r in found["results"]])) if found["results"] else [],
    }
    out["searchSizeZero"] = attempt(lambda: client.executions.search_executions(TENANT, page=1, size=0))
    out["searchBadSort"] = attempt(lambda: client.executions.search_executions(TENANT, page=1, size=5, sort=["nope:asc"]))

    # outputs: task_outputs_information, task_run_outputs, execution_outputs
    infos = client.outputs.task_outputs_information(created.id, TENANT)
    out["taskOutputsInformation"] = [{"taskId": i.task_id, "taskRunId": i.task_run_id} for i in infos]
    out["taskRunOutputs"] = client.outputs.task_run_outputs(created.id, write_run.id, TENANT)
    out["taskRunOutputsValues"] = client.outputs.task_run_outputs(created.id, task_run(done, "values").id, TENANT)
    flow_outputs = client.outputs.execution_outputs(created.id, TENANT)
    out["executionOutputs"] = flow_outputs

    # download_file_from_execution: its own file, another run's (Kestra redirects, requests follows), a missing one
    own = client.executions.download_file_from_execution(created.id, flow_outputs["file"], TENANT)
    other_outputs = client.outputs.execution_outputs(no_file.id, TENANT)
    other = client.executions.download_file_from_execution(created.id, other_outputs["file"], TENANT)
    out["download"] = {
        "own": own.decode("utf-8"),
        "otherExecutionsFile": other.decode("utf-8"),
        "input": client.executions.download_file_from_execution(created.id, created.inputs["doc"], TENANT).decode("utf-8"),
        "missing": attempt(lambda: client.executions.download_file_from_execution(
            created.id, flow_outputs["file"].rsplit("/", 1)[0] + "/missing.txt", TENANT)),
    }

    # list_logs_from_execution: kestrapy sends minLevel, which 2.0 does not apply
    logs = client.logs.list_logs_from_execution(created.id, TENANT, min_level="ERROR")
    out["logs"] = {
        "levels": sorted({enum(l.level) for l in logs}),
        "messages": [l.message for l in logs if l.task_id in ("hello", "warn")],
    }

    # resume_execution of a paused run (onResume inputs), then of an ended one
    paused = client.executions.create_execution(TENANT, ns, flow, labels=["slack-channel:C0SDK"], inputs={"mode": "pause"})
    paused_seen = wait(client, paused.id, lambda e: state_of(e) == "PAUSED" or state_of(e) in TERMINAL)
    resumed = client.executions.resume_execution(paused.id, TENANT, inputs={"approved": True, "approver": "U0SDK"})
    resumed_done = terminal(client, paused.id)
    out["resume"] = {
        "stateBefore": state_of(paused_seen),
        "replyState": state_of(resumed),
        "replyTraceParent": resumed.trace_parent,
        "final": state_of(resumed_done),
        "onResume": client.outputs.task_run_outputs(paused.id, task_run(resumed_done, "approval").id, TENANT).get("onResume"),
    }
    out["resumeEnded"] = attempt(lambda: state_of(client.executions.resume_execution(created.id, TENANT, inputs={"approved": True})))
    out["resumeUnknown"] = attempt(lambda: state_of(client.executions.resume_execution("0000000000000000000000", TENANT)))

    # restart_execution of a FAILED run (ok), of a SUCCESS one (409)
    failing = client.executions.create_execution(TENANT, ns, flow, inputs={"mode": "fail"})
    failed = terminal(client, failing.id)
    restarted = client.executions.restart_execution(failing.id, TENANT)
    after_restart = wait(
        client, failing.id,
        lambda e: state_of(e) in TERMINAL and "RESTARTED" in [enum(h.state) for h in e.state.histories or []],
    )
    out["restartFailed"] = {
        "stateBefore": state_of(failed),
        "replyState": state_of(restarted),
        "histories": [enum(h.state) for h in after_restart.state.histories or []],
    }
    out["restartSuccess"] = attempt(lambda: state_of(client.executions.restart_execution(created.id, TENANT)))

    # kill_execution of a running run; then restart of the KILLED run, and kills of the ended run
    sleeping = client.executions.create_execution(TENANT, ns, flow, inputs={"mode": "sleep"})
    wait(client, sleeping.id, lambda e: any(t.task_id == "nap" for t in e.task_run_list or []))
    killed_reply = client.executions.kill_execution(sleeping.id, TENANT)
    killed = terminal(client, sleeping.id)
    out["kill"] = {
        "replyState": state_of(killed_reply),
        "replyTraceParent": killed_reply.trace_parent,
        "final": state_of(killed),
        "histories": [enum(h.state) for h in killed.state.histories or []],
    }
    out["restartKilled"] = attempt(lambda: state_of(client.executions.restart_execution(sleeping.id, TENANT)))
    out["killEnded"] = attempt(lambda: state_of(client.executions.kill_execution(sleeping.id, TENANT)))
    out["killEndedNoCascade"] = attempt(
        lambda: state_of(client.executions.kill_execution(sleeping.id, TENANT, is_on_kill_cascade=False)))

    # key_value and set_key_value (text/plain, read by Kestra's Ion mapper)
    client.kv.set_key_value(args.product_namespace, "sdk-json", TENANT, json.dumps({"a": [1, 2], "b": "x"}))
    client.kv.set_key_value(args.product_namespace, "sdk-words", TENANT, "plain words here")
    json_value = client.kv.key_value(args.product_namespace, "sdk-json", TENANT)
    words = client.kv.key_value(args.product_namespace, "sdk-words", TENANT)
    out["kv"] = {
        "json": {"type": enum(json_value.type), "value": json_value.value, "revision": json_value.revision},
        "words": {"type": enum(words.type), "value": words.value},
        "missing": attempt(lambda: client.kv.key_value(args.product_namespace, "sdk-no-such-key", TENANT).value),
    }
    return out


def main():
    parser = argparse.ArgumentParser()
    for name in ("url", "username", "password", "namespace", "flow", "product-namespace", "product-flow"):
        parser.add_argument(f"--{name}", required=True)
    args = parser.parse_args()
    try:
        result = run(args)
    except Exception as e:  # the test shows what broke, with the SDK's own traceback
        result = {"error": f"{type(e).__name__}: {e}", "traceback": traceback.format_exc()}
    print(json.dumps(result, default=str))
    return 0 if "error" not in result else 1


if __name__ == "__main__":
    sys.exit(main())
