"""The table `thaw bench` prints."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

ROWS: tuple[tuple[str, str, str], ...] = (
    ("joined", "players joined", ""),
    ("offered_joins_per_s", "offered joins/s (arrival rate)", ""),
    ("joins_per_s", "joins/s achieved", ""),
    ("join_span_s", "first connect -> last welcome", "s"),
    ("connect_ms", "connect p50/p99/max", "ms"),
    ("join_ms", "join -> welcome p50/p99/max", "ms"),
    ("fanout_ms", "question fan-out p50/p99/max", "ms"),
    ("floor_fanout_ms", "floor fan-out p50/p99/max", "ms"),
    ("fanout_p50_floor_ratio", "fan-out p50 / floor p50", "x"),
    ("fanout_p99_floor_ratio", "fan-out p99 / floor p99", "x"),
    ("fanout_spread_ms", "fan-out first->last p50/max", "ms"),
    ("reveal_spread_ms", "reveal first->last p50/max", "ms"),
    ("ack_ms", "answer ack p50/p99/max", "ms"),
    ("answers_sent", "answers sent", ""),
    ("answers_acked", "answers acked", ""),
    ("lost", "messages lost (question+reveal)", ""),
    ("delivered_pct", "delivered", "%"),
    ("cpu_s_per_question", "server CPU per question", "s"),
    ("server_cpu_cores", "server CPU during game", "cores"),
    ("game_system_cpu_s", "  of which in the kernel (game)", "s"),
    ("rss_kib_per_conn", "RSS per connection", "KiB"),
    ("stall_max_ms", "longest ping RTT (stall)", "ms"),
    ("stall_join_max_ms", "longest ping RTT while joining", "ms"),
    ("redis_publish_per_question_cycle", "PUBLISH per question cycle", ""),
    ("redis_publish_per_room_event", "PUBLISH per transition or answer", ""),
    ("redis_publish_per_join", "PUBLISH per join", ""),
    ("redis_commands_per_room_event", "Redis commands per room event", ""),
    ("redis_cpu_s_join", "Redis CPU, joins", "s"),
    ("redis_cpu_s_game", "Redis CPU, game", "s"),
    ("redis_memory_kib_joined", "Redis memory for the joined room", "KiB"),
    ("host_frames_per_question", "frames to the host per question", ""),
    ("host_kib_per_question", "bytes to the host per question", "KiB"),
    ("loadgen_lag_max_ms", "load generator max loop lag", "ms"),
    ("foreign_cpu_cores_join", "other processes' CPU, joins", "cores"),
    ("foreign_cpu_cores_game", "other processes' CPU, game", "cores"),
)

TARGET_ROW = {"fanout_p99_ms": "fanout_ms", "ack_p99_ms": "ack_ms", "ack_max_ms": "ack_ms",
              "connect_p99_ms": "connect_ms", "joined_within_2s": "join_span_s"}


def _fmt(value: Any) -> str:
    if isinstance(value, dict):
        keys = ("p50", "max") if "p99" in value and value.get("n", 0) and "spread" in str(value) else None
        parts = [value.get(k) for k in (keys or ("p50", "p99", "max"))]
        return "/".join("-" if p is None else f"{p:g}" for p in parts)
    if isinstance(value, float):
        return f"{value:g}"
    return "-" if value is None else str(value)


def _machine_line(machine: dict[str, Any]) -> list[str]:
    speed = machine.get("yardstick")
    if not speed:
        return []
    return [f"machine yardstick (lower is faster): Python {speed['python_ms']:g} ms, "
            f"loopback {speed['loopback_us']:g} us per write"]


def table(result: dict[str, Any]) -> str:
    m = result["metrics"]
    checks: dict[str, list[str]] = defaultdict(list)
    for name, t in result["targets"].items():
        mark = {True: "ok", False: "MISSED", None: "n/a"}[t["ok"]]
        op = ">=" if t["higher_is_better"] else "<="
        checks[TARGET_ROW.get(name, name)].append(f"{name} {op} {t['limit']:g}: {mark}")
    lines = [f"thaw bench {result['scenario']}: {result['config']['rooms']} room(s) x {result['config']['players']} "
             f"players, {result['config']['instances']} instance(s), {result['config']['store']} store, "
             f"compression {'on' if result['config']['compression'] else 'off'}",
             *_machine_line(result.get("machine", {})),
             f"{'metric':<34}{'value':>22}  target"]
    for key, label, unit in ROWS:
        if key not in m:
            continue
        value = m[key]
        if key.endswith("spread_ms") and isinstance(value, dict):
            text = "/".join("-" if value.get(k) is None else f"{value[k]:g}" for k in ("p50", "max"))
        else:
            text = _fmt(value)
        lines.append(f"{label:<34}{(text + ' ' + unit).strip():>22}  {'; '.join(checks.get(key, []))}")
    for note in m.get("notes", []):
        lines.append(f"note: {note}")
    if m.get("player_errors"):
        lines.append("player errors: " + ", ".join(f"{k}: {v}" for k, v in m["player_errors"].items()))
    if m.get("unexpected_closes"):
        lines.append("unexpected closes: " + ", ".join(f"{k}: {v}" for k, v in m["unexpected_closes"].items()))
    missed = [n for n, t in result["targets"].items() if t["ok"] is False]
    lines.append("targets: " + ("all met" if not missed else "MISSED " + ", ".join(missed)))
    return "\n".join(lines)


