<?xml version="1.0" encoding="UTF-8"?>
<ColorCorrection id="cc1" xmlns="urn:ASC:CDL:v1.2">
  <SOPNode>
    <Description>warm</Description>
    <Slope>1.1 1.0 0.9</Slope>
    <Offset>0.01 0 -0.02</Offset>
    <Power>1.0 1.1 1.2</Power>
  </SOPNode>
  <SatNode><Saturation>0.85</Saturation></SatNode>
</ColorCorrection>
