"""Objects with attributes and methods: a small particle/account simulation.

Exercises: instance creation, attribute reads and writes, method calls,
a subclass overriding a method (polymorphic call site), and properties.
"""


class Vec:
    def __init__(self, x, y):
        self.x = x
        self.y = y

    def add(self, other):
        return Vec(self.x + other.x, self.y + other.y)

    def scale(self, k):
        return Vec(self.x * k, self.y * k)

    def dot(self, other):
        return self.x * other.x + self.y * other.y


class Particle:
    def __init__(self, pos, vel):
        self.pos = pos
        self.vel = vel
        self.bounces = 0

    def move(self, dt):
        self.pos = self.pos.add(self.vel.scale(dt))
        if self.pos.x < 0 or self.pos.x > 100:
            self.vel = Vec(-self.vel.x, self.vel.y)
            self.bounces += 1
        if self.pos.y < 0 or self.pos.y > 100:
            self.vel = Vec(self.vel.x, -self.vel.y)
            self.bounces += 1

    @property
    def energy(self):
        return 0.5 * self.vel.dot(self.vel)


class HeavyParticle(Particle):
    def move(self, dt):
        Particle.move(self, dt * 0.5)


def main():
    particles = []
    for i in range(40):
        cls = HeavyParticle if i % 3 == 0 else Particle
        particles.append(cls(Vec(i * 2.5, 50.0), Vec(1.0 + i % 7, 2.0 - i % 5)))
    for _ in range(50000):
        for p in particles:
            p.move(0.25)
    bounces = sum(p.bounces for p in particles)
    energy = sum(p.energy for p in particles)
    cx = sum(p.pos.x for p in particles) / len(particles)
    print("bounces=%d energy=%.6f cx=%.6f" % (bounces, energy, cx))


if __name__ == "__main__":
    main()
