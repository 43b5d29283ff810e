"""What the fact store tells the rest of Qudao, without knowing who listens."""

from django.dispatch import Signal

# Sent once a batch of ``fact`` was committed or reverted (after the transaction), so that
# what is derived from the committed rows (the review's roll-ups) can be rebuilt.
fact_changed = Signal()
