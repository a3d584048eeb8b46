"""A Jupyter workbench for teaching and analysing GANs in medical imaging

Modules:

- `medgan_nb.segment`: Train the three segmentation tasks (`unet-seg`, `adv-seg`, `segan`) on 10, 30, 100 and 512 CT phantoms, over ≥ 5 seeds, after the same learning-rate search on validation data for each; score them on one fixed test set (Dice, IoU, HD95 in mm, calibration) beside a trivial atlas; intervals from a hierarchical bootstrap over seeds and test images, and paired differences against the U-Net.
- `medgan_nb.synthesis`: An imbalanced normal / cyst / metastasis problem on CT phantoms; the non-GAN counter-measures (classic augmentation, oversampling, a class-weighted loss, focal loss) and GAN arms that add synthetic minority images at several ratios; each arm tuned alike on validation data, trained over ≥ 5 seeds and scored on one balanced test set (per-class recall and precision, balanced accuracy, macro AUC), with hierarchical-bootstrap intervals and paired differences against the best non-GAN baseline."""

__version__ = "0.1.0"
