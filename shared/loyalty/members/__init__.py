"""Members of a program and their cards: enrolment, memberships, card codes."""
