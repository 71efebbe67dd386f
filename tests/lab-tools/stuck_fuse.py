#!/usr/bin/env python3
"""A FUSE mount whose daemon never answers, for the host layer's lab tests (issue 15).

    stuck_fuse.py MOUNTPOINT UID GID [--stuck] -- COMMAND...

Opens /dev/fuse and mounts it at MOUNTPOINT (allow_other, so the test user's requests reach
it), then never reads the device: the kernel's INIT is never answered, so every request to
the mount waits in the killable uninterruptible sleep that `ps` shows as D. With --stuck, a
`stat MOUNTPOINT` runs as UID:GID and stays in D state: a blocked task for the triage to find.
Then COMMAND (sshd) runs in this process' mount namespace while this process holds the
device. When this process dies, the kernel aborts the connection and every waiter returns.
Run it in a private mount namespace (unshare --mount): the mount is never seen outside.
"""
import ctypes
import os
import signal
import subprocess
import sys


def main():
    args = sys.argv[1:]
    if "--" not in args:
        sys.exit("usage: stuck_fuse.py MOUNTPOINT UID GID [--stuck] -- COMMAND...")
    split = args.index("--")
    mine, command = args[:split], args[split + 1:]
    stuck = "--stuck" in mine
    mine = [a for a in mine if a != "--stuck"]
    mountpoint, uid, gid = mine[0], int(mine[1]), int(mine[2])

    fd = os.open("/dev/fuse", os.O_RDWR)
    libc = ctypes.CDLL(None, use_errno=True)
    options = f"fd={fd},rootmode=40000,user_id=0,group_id=0,allow_other".encode()
    if libc.mount(b"rpfuse", mountpoint.encode(), b"fuse.rpfuse", 0, options) != 0:
        err = ctypes.get_errno()
        sys.exit(f"stuck_fuse: mount {mountpoint}: {os.strerror(err)}")
    print(f"stuck_fuse: {mountpoint} mounted, never answered", flush=True)

    children = []
    if stuck:
        pid = os.fork()
        if pid == 0:
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
            os.execvp("stat", ["stat", mountpoint])
        children.append(pid)
        print(f"stuck_fuse: stat pid {pid}", flush=True)
    server = subprocess.Popen(command, pass_fds=())
    children.append(server.pid)

    def stop(signum, frame):
        for child in children:
            try:
                os.kill(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    server.wait()
    stop(None, None)


if __name__ == "__main__":
    main()
