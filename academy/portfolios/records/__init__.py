"""Records: periods and progress, the xlsx/csv/json/PDF exports, issued records, verifying."""
