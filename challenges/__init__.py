"""Challenges as grand-challenge runs them (contracts §B).

- `ranking`: the leaderboard maths, pure (ranks, scoring methods, display choices, combined
  leaderboards, jsonpath, display formatting).
- `models`: challenges, phases, methods, ground truths, submissions, evaluations.
- `services` / `selectors`: writes (set-up, registration, submissions and their rules,
  evaluation results and re-ranking) and reads (visibility, remaining submissions).
- `validation`: method images and ground-truth tarballs; `evaluation_io` and
  `algorithm_inputs`: the evaluation container's /input layout and /output checks;
  `execution`: one evaluation run through the executor interface (ground truth as an
  extra read-only input).
- `algorithm_jobs`: an algorithm submission's jobs, one per hidden case, with the
  submitted image, owned by no one (participants see counts and statuses only);
  `services.jobs_finished` receives algorithms' `job_finished` signal (connected in
  `apps`) and settles the waiting evaluation.
- `deadlines` / `sweep`: when an evaluation is stuck, and the beat sweep that fails it.
- `api` / `api_urls`: the REST API in GC's shape.
- `team_services` / `team_api` / `team_views`: teams (optional per challenge): members share
  the submission limit, the ranking treats a team as one participant.
- `combined_services` / `combined_api` / `combined_views`: combined leaderboards over phases,
  computed when read (`selectors.combined_leaderboard_rows`).
- `leaderboard_display`: the leaderboard page's columns, sorting, CSV and score plot.
- `notifications`: e-mails on registration requests, decisions and finished evaluations.
"""
