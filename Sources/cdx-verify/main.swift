import StreamShare

print(StreamShareVersion.string)
