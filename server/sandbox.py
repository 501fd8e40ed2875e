"""Limits a query process puts on itself: no network (when no SERVICE is allowed), death with its parent,
its own CPU and wall-clock deadline.

pyoxigraph's Store.query has no switch to turn SERVICE off (0.5: no such
parameter, no custom service handler), so with an empty allowlist the query
process installs a seccomp filter (libseccomp through pyseccomp) that makes
socket() for any family but AF_UNIX, and every connect(), fail with EACCES.
The process talks to its parent over a pipe it already holds, so it needs
neither. The filter is checked once at start (a probe connect must fail);
if it cannot be installed the process refuses to serve (fail closed) and
the server does not start.

PR_SET_PDEATHSIG makes the kernel SIGKILL the process when its parent (the
web process) dies, even by kill -9; RLIMIT_CPU (soft: SIGXCPU, hard: SIGKILL)
and a per-job alarm() end a runaway query even when no parent is left to do it.
"""

from __future__ import annotations

import ctypes
import errno
import os
import resource
import signal
import socket

PR_SET_PDEATHSIG = 1


class SandboxError(RuntimeError):
    pass


def die_with_parent(parent_pid: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise SandboxError(f"prctl(PR_SET_PDEATHSIG) failed: {os.strerror(ctypes.get_errno())}")
    if os.getppid() != parent_pid:  # the parent died before the call: nobody would kill us later
        os._exit(1)


def no_network() -> None:
    """Forbid new sockets (except AF_UNIX) and every connect(); verify it took."""
    try:
        import pyseccomp as seccomp
    except ImportError as exc:
        raise SandboxError(f"pyseccomp is not available ({exc}); cannot disable SERVICE calls") from None
    try:
        rules = seccomp.SyscallFilter(seccomp.ALLOW)
        for family in range(1, 64):
            if family != socket.AF_UNIX:
                rules.add_rule(seccomp.ERRNO(errno.EACCES), "socket", seccomp.Arg(0, seccomp.EQ, family))
        rules.add_rule(seccomp.ERRNO(errno.EACCES), "connect")
        rules.add_rule(seccomp.ERRNO(errno.EACCES), "sendto", seccomp.Arg(4, seccomp.NE, 0))  # UDP to an address
        rules.load()
    except Exception as exc:
        raise SandboxError(f"cannot install the seccomp filter: {exc}") from None
    try:
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except PermissionError:
        return
    probe.close()
    raise SandboxError("the seccomp filter did not take: a socket could still be opened")


class Deadline:
    """The job's own deadline, enforced by the kernel whoever else is alive: SIGALRM after `wall`
    seconds and SIGXCPU after `wall` more CPU seconds; both signals' default action ends the process."""

    def __init__(self, wall: float):
        self.wall = max(1, int(wall + 0.999))

    def __enter__(self) -> Deadline:
        used = resource.getrusage(resource.RUSAGE_SELF)
        spent = int(used.ru_utime + used.ru_stime)
        _, hard = resource.getrlimit(resource.RLIMIT_CPU)
        soft = spent + self.wall
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        resource.setrlimit(resource.RLIMIT_CPU, (soft, hard))
        signal.alarm(self.wall)
        return self

    def __exit__(self, *exc) -> None:
        signal.alarm(0)
