"""Socket activation: systemd-socket-activate (systemd's own tool) holds the listening
sockets and passes them to claimd (LISTEN_FDS); the publisher adopts them with
ZMQ_USE_FD, so a subscriber that connected before claimd ran receives its messages."""
import os
import shutil
import signal
import subprocess

from conftest import CLAIMD, DATA, Subscriber, replay, wait_for


def test_publisher_uses_passed_sockets(httpd, daemons):
    tool = shutil.which("systemd-socket-activate")
    assert tool, "systemd-socket-activate missing (Debian package systemd)"
    shutil.copy(DATA / "news.xml", httpd.root / "news.xml")
    d = daemons({"gazette": httpd.url("news.xml")})
    env = dict(os.environ, NOTIFY_SOCKET=d.notify.path)
    env.pop("JOURNAL_STREAM", None)
    act = subprocess.Popen([tool, "-l", "127.0.0.1:%d" % d.pub_port,
                            "-l", "127.0.0.1:%d" % d.replay_port,
                            "-E", "NOTIFY_SOCKET", CLAIMD, "-c", str(d.conf)],
                           env=env, stdout=open(d.stderr_path, "a"),
                           stderr=subprocess.STDOUT)
    try:
        # the sockets exist before claimd does: connecting starts it
        wait_for(lambda: subprocess.run(["ss", "-ltn"], capture_output=True, text=True)
                 .stdout.count(":%d " % d.pub_port) > 0, what="the activation socket")
        sub = Subscriber(d.publish, ["sys/heartbeat", "article/"])
        wait_for(lambda: d.notify.has("READY=1"), what="READY=1 from the activated claimd")
        sub.collect(lambda m: any(t == "sys/heartbeat" for t, _, _ in m), what="a heartbeat")
        msgs, end = wait_for(lambda: (lambda r: r if len(r[0]) >= 2 else None)(
            replay(d.replay, "article/", 0)), what="articles over the passed replay socket")
        assert end[0] == "END"
        sub.close()
    finally:
        act.send_signal(signal.SIGTERM)
        assert act.wait(10) == 0
