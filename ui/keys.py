"""Session-state keys shared by the ui modules (here, so they import it instead of each other)."""

TRAINER_KEY = "_trainer"
NOTICE_KEY = "_trainer_notice"
PENDING_KEY = "_pending_settings"
REFUSED_KEY = "_refused"  # why the settings were moved back (shown once, after the rerun)
LESSON_KEY = "_lesson"  # (lesson number, variant) of the open lesson
