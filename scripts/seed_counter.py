# scripts/seed_counter.py - the seeds' Python counter, as it was given:
# two threads, 100000 `counter += 1` each. The seed printed 156432.
# `make seed-python` runs it with this machine's python3 (and any
# python3.9 beside it) next to lab-counter --model gil; notes/gil.md
# explains why the answer depends on the Python version.
import sys
import threading

counter = 0


def work():
    global counter
    for _ in range(100000):
        counter += 1


threads = [threading.Thread(target=work) for _ in range(2)]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(counter)
