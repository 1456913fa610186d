// Bundler module: see DESIGN.md.
import LogRecord
