"""The demo data set (`python -m ledger_core demo`): catalog.py holds its tables,
generator.py makes the actions, loader.py loads them through the normal ingest."""
from .catalog import DEMO_PASSWORDS, DemoAgent, DemoOrg, DemoUser, demo_action_names, demo_agents, demo_orgs, demo_users
from .generator import cost_spike_window, demo_period, generate_actions, incident_window, shift_months

__all__ = [
    "DEMO_PASSWORDS", "DemoAgent", "DemoOrg", "DemoUser", "cost_spike_window", "demo_action_names",
    "demo_agents", "demo_orgs", "demo_period", "demo_users", "generate_actions", "incident_window",
    "shift_months",
]
