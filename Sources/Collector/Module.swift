// Collector module: see DESIGN.md.
import LogRecord
