"""An SMTP server on loopback in a process of its own, for benchmarks: it writes a line per
message it receives (Message-ID, tab, Unix time) to the file named on the command line.

    python bench/_sink.py PORT LOG
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.mailsink import MailSink


def main() -> None:
    port, log_path = int(sys.argv[1]), Path(sys.argv[2])
    with log_path.open("a") as log:
        sink = MailSink(port=port, log=log).start()
        print("ready", flush=True)
        try:
            while True:
                time.sleep(3600)
        finally:
            sink.stop()


if __name__ == "__main__":
    main()
