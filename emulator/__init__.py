"""A Bot API emulator: a Telegram stand-in for end-to-end tests and local trials."""

from emulator.people import SimGroup, SimUser
from emulator.server import Emulator
from emulator.state import ApiCall, ApiError, EmuMessage, Fault

__all__ = ["ApiCall", "ApiError", "EmuMessage", "Emulator", "Fault", "SimGroup", "SimUser"]
