"""The app's routes by area: sign-in and accounts, the check form, the register, lists, layer updates, the API."""
from . import api, auth, check, impact, register, screen

ROUTERS = [auth.router, check.router, register.router, screen.router, impact.router, api.router]
