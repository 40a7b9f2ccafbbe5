"""CPU and memory of every process of the running system, sampled once a second."""

import os
import threading
from collections import defaultdict

import psutil

from hourbank_stack.supervisor import read_state


def stack_processes() -> dict[str, list[psutil.Process]]:
    """The stack's processes by name, plus Kafka, PostgreSQL (all its backends) and this one."""
    found: dict[str, list[psutil.Process]] = defaultdict(list)
    state = read_state() or {}
    entries = state.get("processes", {})
    assert isinstance(entries, dict)
    for name, entry in entries.items():
        pid = entry.get("pid")
        if isinstance(pid, int) and psutil.pid_exists(pid):
            process = psutil.Process(pid)
            found[name].append(process)
            if name == "gateway":
                found[name] += process.children()
    for process in psutil.process_iter(["name", "cmdline"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if process.info["name"] == "java" and "kafka" in cmdline:
            found["kafka"].append(process)
        elif process.info["name"] == "postgres" or cmdline.startswith("postgres:"):
            found["postgresql"].append(process)
    found["load-generator"].append(psutil.Process(os.getpid()))
    return dict(found)


class Sampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self._halt = threading.Event()
        self._lock = threading.Lock()
        self._cpu: dict[str, list[float]] = defaultdict(list)
        self._rss: dict[str, float] = defaultdict(float)
        self._seen: dict[int, psutil.Process] = {}

    @classmethod
    def for_stack(cls) -> "Sampler":
        return cls()

    def run(self) -> None:
        while not self._halt.wait(1.0):
            sample_cpu: dict[str, float] = defaultdict(float)
            sample_rss: dict[str, float] = defaultdict(float)
            for name, processes in stack_processes().items():
                for process in processes:
                    known = self._seen.setdefault(process.pid, process)
                    try:
                        sample_cpu[name] += known.cpu_percent()
                        sample_rss[name] += known.memory_info().rss / 2**20
                    except psutil.Error:
                        self._seen.pop(process.pid, None)
            with self._lock:
                for name, cpu in sample_cpu.items():
                    self._cpu[name].append(cpu)
                    self._rss[name] = max(self._rss[name], sample_rss[name])

    def reset(self) -> None:
        with self._lock:
            self._cpu.clear()
            self._rss.clear()

    def summary(self) -> dict[str, dict[str, float]]:
        """Per process: mean CPU % (100 = one core) and peak resident memory (MiB)."""
        with self._lock:
            return {
                name: {
                    "cpu_pct": round(sum(values[1:]) / max(len(values) - 1, 1), 1),
                    "rss_mib": round(self._rss[name], 1),
                }
                for name, values in sorted(self._cpu.items())
            }

    def stop(self) -> None:
        self._halt.set()
        self.join(5)
