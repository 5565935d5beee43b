"""The pure core of svcalc: numbers in, numbers out. No Flask, no marshmallow.

Every function here can be called and tested with plain Python and numpy values.
"""

from svcalc.core.appraisal import appraise, appraise_many
from svcalc.core.errors import ProposalError, SvcalcError
from svcalc.core.finance import IrrResult, irr, npv, payback
from svcalc.core.flows import Flows, resolve
from svcalc.core.model import (
    PARTNERSHIP_MODELS,
    Appraisal,
    Proposal,
    PublicSide,
    SupplierSide,
    UpfrontCosts,
)
from svcalc.core.reference import REFERENCE

__all__ = [
    "PARTNERSHIP_MODELS",
    "REFERENCE",
    "Appraisal",
    "Flows",
    "IrrResult",
    "Proposal",
    "ProposalError",
    "PublicSide",
    "SupplierSide",
    "SvcalcError",
    "UpfrontCosts",
    "appraise",
    "appraise_many",
    "irr",
    "npv",
    "payback",
    "resolve",
]
