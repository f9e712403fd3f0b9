from challenges.models.challenges import Challenge, RegistrationRequest
from challenges.models.evaluations import Evaluation, Submission
from challenges.models.phases import EvaluationGroundTruth, Method, Phase
from challenges.models.site import (
    ChallengePage,
    RegistrationQuestion,
    RegistrationQuestionAnswer,
)

__all__ = [
    "Challenge",
    "ChallengePage",
    "Evaluation",
    "EvaluationGroundTruth",
    "Method",
    "Phase",
    "RegistrationQuestion",
    "RegistrationQuestionAnswer",
    "RegistrationRequest",
    "Submission",
]
