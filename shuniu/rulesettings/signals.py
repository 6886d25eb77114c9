from django.dispatch import Signal

# Sent by the services inside the writing transaction, after the write, with
# ``changes``: the (rule_id, name, region) set or cleared, and ``before`` / ``after``: the
# ``selectors.Settings`` as they stood before and after it. Receivers keep what they derive from
# the settings in step (the coverage engine rebuilds the stored "due" counts of the regions whose
# threshold changed) in the same transaction.
settings_changed = Signal()
