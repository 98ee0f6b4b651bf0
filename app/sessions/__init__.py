"""Live training sessions: Trainers behind owner tokens, played by one thread, watched by many.

A session is one ``engine.train.Trainer``. Whoever creates it gets an owner token, the only key
to change it (step, play, pause, reset, delete); anyone with the id may read it and follow its
server-sent events, which is how a whole class watches the teacher's run. A teacher's runs share
a room, whose short code always leads to the current one.

One job per module:

* ``errors``   the HTTP statuses a session request ends in (404, 410 naming a successor, 403, 422, 503)
* ``tokens``   owner tokens (only their hashes are kept) and room codes
* ``convert``  engine objects to API models (config, metrics, compact live boundary, weights)
* ``sse``      the SSE wire format and the fan-out of one session's events (with ids and a backlog)
* ``compute``  the thread pool session work runs in, and each session's turnstile (waiting holds no thread)
* ``session``  one run's state machine: reads, step chunks, play/pause/reset/close, its events
* ``play``     the one thread that plays every playing session, most overdue first
* ``store``    the interface every store implements (what the routes call)
* ``memory``   the in-memory store (one process)
* ``limits``   per-client limits (sessions, streams, playing runs) and how refusals are worded
* ``stream``   one viewer's event stream and the response that always gives its slot back
* ``lifespan`` the process's store and the shutdown signals
"""
