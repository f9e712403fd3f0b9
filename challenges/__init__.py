"""Challenges as grand-challenge runs them (contracts §B).

- `ranking`: the leaderboard maths, pure (ranks, scoring methods, display choices, combined
  leaderboards, jsonpath, display formatting).
- `models`: challenges, phases, methods, ground truths, submissions, evaluations.
- `services` / `selectors`: writes (set-up, registration, submissions and their rules,
  evaluation results and re-ranking) and reads (visibility, remaining submissions).
- `validation`: method images and ground-truth tarballs; `evaluation_io` and
  `algorithm_inputs`: the evaluation container's /input layout and /output checks;
  `execution`: one evaluation run through the executor interface.
- `api` / `api_urls`: the REST API in GC's shape.
"""
