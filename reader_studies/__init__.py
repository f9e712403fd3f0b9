"""Reader studies as grand-challenge runs them (contracts §A), and beyond.

- `models`: studies, display sets (cases), questions and options, answers, access requests.
- `schemas` / `validation`: answer JSON per type and the question rules (§A.3, §A.6).
- `services` / `selectors`: writes (set-up, members, cases, questions, answers, access
  requests, rescoring) and reads (visibility, progress, GC's leaderboard and statistics).
- `ground_truth`: GC's CSV import and example, ground truth from answers, and beyond GC
  a case's ground truth as JSON (drawings included).
- `geometry` (pure): IoU, Dice and tolerance scores of drawings; `scoring`: an answer's
  score against its ground truth (GC's accuracy, or geometry, masks read from the store).
- `agreement` (pure): Cohen's and Fleiss' kappa, ICC(2,1), mean pairwise scores;
  `results`: agreement per question, progress counts and the answers export.
- `api`: the REST API in gcapi 0.16.1's shape; `views` / `urls`: the pages.
"""
