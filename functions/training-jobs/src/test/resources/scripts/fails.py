"""A script-mode script that breaks: it writes output/failure (SageMaker's convention), prints a line and exits 3."""
import os
import sys

open(os.path.join(os.environ["SM_OUTPUT_DIR"], "failure"), "w").write("out of patience")
print("about to fail")
sys.exit(3)
