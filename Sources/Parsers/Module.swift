// Parsers module: see DESIGN.md.
import LogRecord
