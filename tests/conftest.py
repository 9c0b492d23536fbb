from hypothesis import HealthCheck, settings

pytest_plugins = ["pytester"]

# The wire fuzz and the broker state machine run in every suite. The "ci" profile
# keeps them fast; `tox -e reliability` runs them with `--hypothesis-profile=reliability`.
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "reliability",
    max_examples=5_000,
    stateful_step_count=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile("ci")
