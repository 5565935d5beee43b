"""svcalc: business-case and social-value appraisal for public/private partnerships.

Only the version lives here, so that ``import svcalc.core`` never pulls in Flask.
"""

__version__ = "0.3.0"
