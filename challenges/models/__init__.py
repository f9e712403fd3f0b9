from challenges.models.challenges import Challenge, RegistrationRequest
from challenges.models.combined import CombinedLeaderboard
from challenges.models.evaluations import Evaluation, Submission
from challenges.models.phases import EvaluationGroundTruth, Method, Phase
from challenges.models.site import (
    ChallengePage,
    RegistrationQuestion,
    RegistrationQuestionAnswer,
)
from challenges.models.teams import Team, TeamInvitation, TeamMember

__all__ = [
    "Challenge",
    "ChallengePage",
    "CombinedLeaderboard",
    "Evaluation",
    "EvaluationGroundTruth",
    "Method",
    "Phase",
    "RegistrationQuestion",
    "RegistrationQuestionAnswer",
    "RegistrationRequest",
    "Submission",
    "Team",
    "TeamInvitation",
    "TeamMember",
]
