"""Algorithm models; jobs live in their own module (see jobs.py once present)."""

from algorithms.models.algorithms import Algorithm, AlgorithmImage, AlgorithmInterface
from algorithms.models.jobs import Job

__all__ = ["Algorithm", "AlgorithmImage", "AlgorithmInterface", "Job"]
