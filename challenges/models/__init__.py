from challenges.models.challenges import Challenge, RegistrationRequest
from challenges.models.evaluations import Evaluation, Submission
from challenges.models.phases import EvaluationGroundTruth, Method, Phase

__all__ = [
    "Challenge",
    "Evaluation",
    "EvaluationGroundTruth",
    "Method",
    "Phase",
    "RegistrationRequest",
    "Submission",
]
