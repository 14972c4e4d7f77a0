"""The build flow: plan, pre-flight, build, check and the constant-time no-op."""
