"""Files in and out: run outputs, atomic writes, and the guards that check input before a run."""
