"""A Jupyter workbench for teaching and analysing GANs in medical imaging

Modules:

- `medgan_nb.segment`: Train the three segmentation tasks (`unet-seg`, `adv-seg`, `segan`) on 10, 30, 100 and 512 CT phantoms, over ≥ 5 seeds, after the same learning-rate search on validation data for each; score them on one fixed test set (Dice, IoU, HD95 in mm, calibration) beside a trivial atlas; intervals from a hierarchical bootstrap over seeds and test images, and paired differences against the U-Net."""

__version__ = "0.1.0"
