"""Speed and memory at national scale, each figure beside a floor measured in the same run."""
