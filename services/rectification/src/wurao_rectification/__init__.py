"""wurao rectification service: tasks opened by findings, deadlines, reminders, escalation, verification."""
