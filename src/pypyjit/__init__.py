"""placeholder: replaced by the API module"""
from . import _pypyjit
_pypyjit.reset_params()
