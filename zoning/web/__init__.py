"""The web app for approvals staff (`zoning serve`): the check, the report, a register of every check, an API."""
