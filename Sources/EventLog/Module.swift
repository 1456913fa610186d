// EventLog module: see DESIGN.md.
import LogRecord
