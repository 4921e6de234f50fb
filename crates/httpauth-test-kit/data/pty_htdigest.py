# Drives Apache htdigest through a pseudo-terminal (it reads passwords from the tty).
import os, pty, sys, time, select
# usage: pty_htdigest.py password args...
pw = sys.argv[1].encode()
pid, fd = pty.fork()
if pid == 0:
    os.execv("/usr/bin/htdigest", ["htdigest"] + sys.argv[2:])
out = b""
sent = 0
deadline = time.time() + 20
while time.time() < deadline:
    r, _, _ = select.select([fd], [], [], 0.5)
    if r:
        try:
            data = os.read(fd, 1024)
        except OSError:
            break
        if not data:
            break
        out += data
        while sent < 2 and out.count(b"password: ") > sent:
            os.write(fd, pw + b"\n")
            sent += 1
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
