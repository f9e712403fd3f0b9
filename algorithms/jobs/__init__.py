"""Algorithm jobs: creation and input validation (`services`, `inputs`), execution on a
worker (`execution`, `outputs`), reads (`selectors`), API and pages (`api`, `views`)."""
