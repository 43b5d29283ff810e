"""Signals the kernel sends; apps connect to them in ``AppConfig.ready()``."""

from django.dispatch import Signal

# ``qudao serve`` is starting, before the web and worker processes: put right what a killed
# process left behind (the fact store recovers its interrupted imports).
serving_started = Signal()
