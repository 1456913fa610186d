// Triage module: see DESIGN.md.
import LogRecord
